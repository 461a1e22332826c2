@NonNullByDefault
package io.certgate.pdp.config;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
