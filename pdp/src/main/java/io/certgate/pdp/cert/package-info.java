@NonNullByDefault
package io.certgate.pdp.cert;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
