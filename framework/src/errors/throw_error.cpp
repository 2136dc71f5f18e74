#include <mpact/errors.hpp>

#include <string>

namespace mpact {

void throw_error(const std::string& kind, const std::string& message, const std::string& stack) {
    // Rebuild mpact's own errors as their types, so `catch (const mpact::Empty&)` works across
    // processes; anything else arrives as RemoteError carrying the remote type name.
    if (kind == "TimeoutError") throw TimeoutError(message);
    if (kind == "EOFError") throw EOFError(message);
    if (kind == "Empty") throw Empty(message);
    if (kind == "Full") throw Full(message);
    if (kind == "BrokenBarrierError") throw BrokenBarrierError(message);
    if (kind == "AuthenticationError") throw AuthenticationError(message);
    if (kind == "WorkerLostError") throw WorkerLostError(message);
    if (kind == "ProcessError") throw ProcessError(message);
    if (kind == "CancelledError") throw CancelledError(message);
    if (kind == "ValueError") throw ValueError(message);
    if (kind == "IndexError") throw IndexError(message);
    if (kind == "ProtocolError") throw ProtocolError(message);
    if (kind == "ActorDownError") throw ActorDownError(message);
    if (kind == "KeyError") throw KeyError(message);
    if (kind == "AttributeError") throw AttributeError(message);
    if (kind == "OSError") throw OSError(message);
    if (kind == "ConnectionRefusedError") throw ConnectionRefusedError(message);
    if (kind == "Error") throw Error(message);
    throw RemoteError(kind, message, stack);
}

}  // namespace mpact
