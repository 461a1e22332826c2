@NonNullByDefault
package io.certgate.pdp.apikey;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
