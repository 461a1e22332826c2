@NonNullByDefault
package io.certgate.pep.audit;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
