@NonNullByDefault
package io.certgate.pep.tls;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
