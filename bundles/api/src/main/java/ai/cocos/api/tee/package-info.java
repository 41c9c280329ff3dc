/**
 * The TEE-provider SPI: gathering attestation evidence inside a guest and verifying it on the
 * relying side.
 *
 * <p>A provider is an OSGi service implementing {@link ai.cocos.api.tee.TeeProvider}, registered
 * with the service property {@value ai.cocos.api.tee.TeeProvider#PLATFORM_PROPERTY}. Providers also
 * work as plain jars (the CLI verifies evidence without a framework), so they must not need OSGi to
 * verify.
 *
 * <p>A provider whose platform has measurement registers may also offer {@link
 * ai.cocos.api.tee.RuntimeMeasurements}, through which the agent measures each computation manifest
 * it accepts (since 1.1.0).
 */
@Version("1.1.0")
package ai.cocos.api.tee;

import org.osgi.annotation.versioning.Version;
