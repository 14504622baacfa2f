export { createApp, type App, type AppDeps, type AppServices } from './app';
export { loadConfig, ConfigError, type Config } from './config';
export { ApiError, validate } from './http/errors';
export type { ChatServer, ChatSocket, SocketFeature, SocketHelpers } from './realtime/types';
export type { PresenceReader } from './users/presence';
