#pragma once
/// Everything mpact offers, in one include.
#include <mpact/actor.hpp>
#include <mpact/actor_process.hpp>
#include <mpact/actor_ref.hpp>
#include <mpact/bytes.hpp>
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/process.hpp>
#include <mpact/task.hpp>
#include <mpact/time.hpp>
#include <mpact/wait.hpp>
#if __has_include(<mpact/queue.hpp>)
#include <mpact/queue.hpp>
#endif
#if __has_include(<mpact/pipe.hpp>)
#include <mpact/pipe.hpp>
#endif
#if __has_include(<mpact/pool.hpp>)
#include <mpact/pool.hpp>
#endif
