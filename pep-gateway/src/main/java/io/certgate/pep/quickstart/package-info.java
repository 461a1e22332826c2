@NonNullByDefault
package io.certgate.pep.quickstart;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
