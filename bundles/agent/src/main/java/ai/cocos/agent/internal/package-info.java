/**
 * The agent's implementation: {@link ai.cocos.agent.internal.AgentRuntime} is the Declarative
 * Services component offering {@link ai.cocos.agent.Agent}; {@link
 * ai.cocos.agent.internal.Computation} runs one computation with its {@link
 * ai.cocos.agent.internal.StateMachine}, {@link ai.cocos.agent.internal.UploadAuthorizer}, {@link
 * ai.cocos.agent.internal.Workspace} and {@link ai.cocos.agent.internal.FileUpload}s; {@link
 * ai.cocos.agent.internal.EventBus} delivers events in order and outside locks. Nothing here is
 * exported.
 */
package ai.cocos.agent.internal;
