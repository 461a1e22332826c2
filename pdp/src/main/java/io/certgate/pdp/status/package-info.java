@NonNullByDefault
package io.certgate.pdp.status;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
