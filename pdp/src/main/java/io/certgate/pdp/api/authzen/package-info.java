@NonNullByDefault
package io.certgate.pdp.api.authzen;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
