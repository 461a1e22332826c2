@NonNullByDefault
package io.certgate.pdp.reload;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
