@NonNullByDefault
package io.certgate.pdp.boundary;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
