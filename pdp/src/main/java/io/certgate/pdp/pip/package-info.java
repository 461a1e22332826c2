@NonNullByDefault
package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
