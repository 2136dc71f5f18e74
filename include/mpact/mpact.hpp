#pragma once
/// Everything mpact offers, in one include: the framework and every primitive
/// (target mpact::mpact). A new primitive adds its header here.
#include <mpact/actor.hpp>
#include <mpact/actor_process.hpp>
#include <mpact/actor_ref.hpp>
#include <mpact/bytes.hpp>
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/executor.hpp>
#include <mpact/listener.hpp>
#include <mpact/manager.hpp>
#include <mpact/names.hpp>
#include <mpact/node.hpp>
#include <mpact/pipe.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/supervisor.hpp>
#include <mpact/sync.hpp>
#include <mpact/task.hpp>
#include <mpact/time.hpp>
#include <mpact/wait.hpp>
