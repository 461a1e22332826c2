@NonNullByDefault
package io.certgate.pdp.api.rest;

import com.linecorp.armeria.common.annotation.NonNullByDefault;
