@NonNullByDefault
package io.certgate.pep.pdp;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
