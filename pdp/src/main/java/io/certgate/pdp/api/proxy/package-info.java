@NonNullByDefault
package io.certgate.pdp.api.proxy;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
