#pragma once
/// The synchronisation primitives, one include: Lock, RLock, Semaphore, BoundedSemaphore,
/// Condition, Event, Barrier. Python: the locks and friends of `multiprocessing`.
#include <mpact/barrier.hpp>
#include <mpact/condition.hpp>
#include <mpact/event.hpp>
#include <mpact/lock.hpp>
#include <mpact/semaphore.hpp>
