@NonNullByDefault
package io.certgate.pdp.opa;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
