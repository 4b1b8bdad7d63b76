//! The public methods client and server connections share word for word, written once.

/// Expands, inside `impl ClientConnection` or `impl ServerConnection`, to the methods both
/// sides offer the same way over their `core` and `state`; `$peer` names the other side
/// in the docs.
macro_rules! shared_connection_api {
    ($peer:literal) => {
        /// The next record to send, if any.
        #[must_use]
        pub fn poll_transmit(&mut self, _now: Duration) -> Option<Bytes> {
            self.core.poll_transmit()
        }

        /// The next event, if any.
        pub fn poll_event(&mut self) -> Option<Event> {
            self.core.poll_event()
        }

        /// The next key log line, if any (also given to the config's hook when set).
        pub fn poll_keylog(&mut self) -> Option<KeyLogLine> {
            self.core.poll_keylog()
        }

        /// TLS has no timers here: always `None`.
        pub fn poll_timeout(&self) -> Option<Duration> {
            None
        }

        /// Nothing to do (no timers); present for the workspace's state-machine shape.
        pub fn handle_timeout(&mut self, _now: Duration) {}

        /// True once the handshake completed (and until the connection dies).
        pub fn is_handshake_complete(&self) -> bool {
            matches!(self.state, State::Traffic(_))
        }

        /// True after a fatal error or a fatal alert.
        pub fn is_failed(&self) -> bool {
            self.core.status == Status::Failed
        }

        /// Queues application data, in records of at most 2^14 bytes.
        pub fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
            self.core.send_application_data(data)
        }

        /// Queues close_notify; nothing more can be sent afterwards.
        pub fn send_close_notify(&mut self) -> Result<(), Error> {
            self.core.send_close_notify()
        }

        #[doc = concat!("Sends a KeyUpdate (asking the ", $peer, " to update too when `request_peer`) and")]
        /// switches to the next sending key.
        pub fn key_update(&mut self, request_peer: bool) -> Result<(), Error> {
            match &mut self.state {
                State::Traffic(keys) => self.core.send_key_update(keys, request_peer),
                _ if self.core.status == Status::Failed => Err(Error::Closed),
                _ => Err(Error::HandshakeNotComplete),
            }
        }
    };
}
