@NonNullByDefault
package io.certgate.pep.ratelimit;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
