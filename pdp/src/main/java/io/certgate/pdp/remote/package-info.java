@NonNullByDefault
package io.certgate.pdp.remote;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
