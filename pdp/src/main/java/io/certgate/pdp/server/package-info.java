@NonNullByDefault
package io.certgate.pdp.server;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
