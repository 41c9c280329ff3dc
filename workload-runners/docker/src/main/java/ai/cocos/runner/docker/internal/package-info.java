/**
 * The {@code docker} workload runner: runs an uploaded image archive in a container engine through
 * the Docker Engine API on a unix socket.
 *
 * <p>{@link ai.cocos.runner.docker.internal.DockerRunner} is the Declarative Services component;
 * {@link ai.cocos.runner.docker.internal.DockerWorkload} carries out one run; {@link
 * ai.cocos.runner.docker.internal.EngineClient} makes the Engine API calls over {@link
 * ai.cocos.runner.docker.internal.UnixHttpConnection}; {@link
 * ai.cocos.runner.docker.internal.ImageArchive} (with {@link
 * ai.cocos.runner.docker.internal.TarIndex}) reads the uploaded archive and {@link
 * ai.cocos.runner.docker.internal.StreamFrames} the container's multiplexed output. Nothing here is
 * exported: the bundle only provides a {@link ai.cocos.api.runner.WorkloadRunner} service.
 */
package ai.cocos.runner.docker.internal;
