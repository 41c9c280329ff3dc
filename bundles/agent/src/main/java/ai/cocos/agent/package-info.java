/**
 * The agent's core, independent of any transport: one computation at a time, from its manifest to
 * the release of its results.
 *
 * <p>{@link ai.cocos.agent.Agent} is the service the agent bundle offers: it starts a {@link
 * ai.cocos.agent.ComputationService} from a manifest. A transport (the gRPC {@code AgentService})
 * drives a computation like this:
 *
 * <ol>
 *   <li>{@link ai.cocos.agent.ComputationService#authorize authorize} the call's metadata for its
 *       {@link ai.cocos.agent.Operation} (v1 signed requests, see {@link
 *       ai.cocos.agent.AuthzHeaders});
 *   <li>for an upload, {@code begin} it, {@link ai.cocos.agent.Upload#write write} each chunk as it
 *       arrives, then {@link ai.cocos.agent.Upload#commit commit} at the end of the stream or
 *       {@link ai.cocos.agent.Upload#abort abort} if the client went away;
 *   <li>for results, {@link ai.cocos.agent.ComputationService#openResult open} them and stream
 *       {@link ai.cocos.agent.ResultDownload#stream()} out in chunks.
 * </ol>
 *
 * <p>Every failure is an {@link ai.cocos.agent.AgentException} whose {@link
 * ai.cocos.agent.AgentException.Kind kind} maps to one transport status and whose message names the
 * problem for the user. Progress is reported as {@link ai.cocos.agent.AgentEvent}s and {@link
 * ai.cocos.agent.AgentLog}s to {@link ai.cocos.agent.AgentListener}s, in CocosAI's event shape.
 *
 * <p>{@link ai.cocos.agent.AuthzHeaders} is also the client side: the CLI signs its requests with
 * it, on a plain class path.
 */
@Version("1.0.0")
package ai.cocos.agent;

import org.osgi.annotation.versioning.Version;
