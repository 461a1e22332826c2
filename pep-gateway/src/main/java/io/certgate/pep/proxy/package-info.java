@NonNullByDefault
package io.certgate.pep.proxy;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
