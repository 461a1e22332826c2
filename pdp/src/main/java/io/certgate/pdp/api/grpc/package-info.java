@NonNullByDefault
package io.certgate.pdp.api.grpc;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
