@NonNullByDefault
package io.certgate.pdp.engine;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
