@NonNullByDefault
package io.certgate.pdp.audit;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
