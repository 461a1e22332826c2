@NonNullByDefault
package io.certgate.pep.config;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
