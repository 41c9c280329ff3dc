/**
 * Helpers for CocosAI's wire protocol that every gRPC party of Cocos shares (manager, agent, CLI):
 * formats the protocol carries as text, the manifest as a run request, and how an endpoint takes
 * its certificate per connection from a key manager service ({@link
 * ai.cocos.transport.grpc.ServerKeyManagers}).
 */
@Version("1.1.0")
package ai.cocos.transport.grpc;

import org.osgi.annotation.versioning.Version;
