/**
 * The workload-runner SPI: how the agent runs one algorithm of one type.
 *
 * <p>A runner is an OSGi service implementing {@link ai.cocos.api.runner.WorkloadRunner},
 * registered with the service property {@value ai.cocos.api.runner.WorkloadRunner#TYPE_PROPERTY}
 * set to the algorithm type it serves ({@code bin}, {@code python}, {@code wasm}, {@code docker},
 * ...).
 */
@Version("1.0.0")
package ai.cocos.api.runner;

import org.osgi.annotation.versioning.Version;
