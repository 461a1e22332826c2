@NonNullByDefault
package io.certgate.pdp;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
