@NonNullByDefault
package io.certgate.pdp.api.extauthz;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
