#pragma once
/// The synchronisation primitives, one include: Lock, RLock, Semaphore, BoundedSemaphore,
/// Condition, Event, Barrier, and the shared Value and Array. Python: the locks and friends
/// of `multiprocessing`, and its shared ctypes.
#include <mpact/array.hpp>
#include <mpact/barrier.hpp>
#include <mpact/condition.hpp>
#include <mpact/event.hpp>
#include <mpact/lock.hpp>
#include <mpact/semaphore.hpp>
#include <mpact/value.hpp>
