@NonNullByDefault
package io.certgate.pdp.api;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
