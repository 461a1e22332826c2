@NonNullByDefault
package io.certgate.pep.assertion;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
