@NonNullByDefault
package io.certgate.pdp.decision;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
