import type { SocketFeature } from '../realtime/types';
import type { PresenceService } from './service';

/** Feeds every authenticated socket's connect and disconnect into presence. */
export function presenceSocketFeature(presence: PresenceService): SocketFeature {
  return (socket) => {
    const { userId } = socket.data;
    void presence.socketConnected(userId, socket.id);
    socket.on('disconnect', () => {
      void presence.socketDisconnected(userId, socket.id);
    });
  };
}
