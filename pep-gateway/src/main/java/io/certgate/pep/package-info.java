@NonNullByDefault
package io.certgate.pep;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
