@NonNullByDefault
package io.certgate.pdp.cli;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
