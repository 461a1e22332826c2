@NonNullByDefault
package io.certgate.pdp.input;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
