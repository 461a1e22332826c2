@NonNullByDefault
package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
