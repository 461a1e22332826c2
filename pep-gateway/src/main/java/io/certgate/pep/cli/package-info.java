@NonNullByDefault
package io.certgate.pep.cli;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
