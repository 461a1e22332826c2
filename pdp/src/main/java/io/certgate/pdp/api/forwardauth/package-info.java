@NonNullByDefault
package io.certgate.pdp.api.forwardauth;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
