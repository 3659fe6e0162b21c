//! The legacy exception-handling instructions (`try`, `catch`, `catch_all`, `rethrow`,
//! `delegate`) that LLVM-based toolchains emitted before `try_table`.
//!
//! They share the explicit propagation of `try_table` (see `control.rs`): calls and
//! throws inside a `try` body branch to its dispatch block when an exception is pending.
//! Each `catch` region becomes a handler block entered from the dispatch with the
//! exception and its payload; the exception is kept in a variable for `rethrow`. Code in
//! a handler is outside the body, so its exceptions go to the enclosing handlers.

use super::operators::Translator;
use super::stack::{ControlFrame, FrameKind, LegacyTry};
use crate::error::Result;
use crate::func_env::ir_type;
use crate::index::*;
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder};
use wasmparser::Operator;

fn block_args(values: &[ir::Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl Translator<'_, '_, '_, '_> {
    /// Lowers the legacy exception operators; returns `false` for any other operator.
    pub fn translate_legacy_eh(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator as O;
        match op {
            O::Try { blockty } => {
                let (params, results) = self.block_signature(*blockty)?;
                let destination = self.new_block(&results);
                let dispatch = self.builder.create_block();
                let stack_base = self.state.stack.len() - params.len();
                let exn = self.builder.declare_var(types::I64);
                let null = self.builder.ins().iconst(types::I64, 0);
                self.builder.def_var(exn, null);
                self.state.legacy_tries.push(LegacyTry {
                    clauses: Vec::new(),
                    exn,
                    in_handler: false,
                });
                self.state.control.push(ControlFrame {
                    kind: FrameKind::LegacyTry {
                        dispatch,
                        index: self.state.legacy_tries.len() - 1,
                    },
                    destination,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_base,
                    exit_is_branched_to: false,
                });
            }
            O::Catch { tag_index } => self.legacy_catch(Some(TagIndex::from_u32(*tag_index))),
            O::CatchAll => self.legacy_catch(None),
            O::Delegate { relative_depth } => self.translate_end_of(Some(*relative_depth)),
            O::Rethrow { relative_depth } => {
                let frame = self.state.frame_mut(*relative_depth);
                let FrameKind::LegacyTry { index, .. } = frame.kind else {
                    unreachable!("validation: rethrow targets a catch")
                };
                let var = self.state.legacy_tries[index].exn;
                let exn = self.builder.use_var(var);
                self.env.throw_ref(self.builder, exn);
                let target = self.exception_target();
                self.builder.ins().jump(target, &[]);
                self.state.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Starts a `catch`/`catch_all` region: the previous region ends (falling through to
    /// the destination), and a handler block receiving the exception and its payload
    /// begins.
    pub fn legacy_catch(&mut self, tag: Option<TagIndex>) {
        let reachable = self.state.reachable;
        let frame = self.state.control.last_mut().expect("validated");
        let FrameKind::LegacyTry { index, .. } = frame.kind else {
            // A `try` inside unreachable code: nothing to do.
            return;
        };
        let (destination, num_results, base) =
            (frame.destination, frame.num_results, frame.stack_base);
        if reachable {
            frame.exit_is_branched_to = true;
            let args = block_args(self.state.peekn(num_results));
            self.builder.ins().jump(destination, &args);
        }
        let handler = self.builder.create_block();
        self.builder.append_block_param(handler, types::I64);
        if let Some(tag) = tag {
            let ty = self.env.module.info.tags[tag];
            for param in self.env.sig(ty).params.clone() {
                self.builder.append_block_param(handler, ir_type(param));
            }
        }
        let entry = &mut self.state.legacy_tries[index];
        entry.clauses.push((tag, handler));
        entry.in_handler = true;
        let var = entry.exn;
        self.builder.switch_to_block(handler);
        self.state.stack.truncate(base);
        let params = self.builder.block_params(handler).to_vec();
        self.builder.def_var(var, params[0]);
        self.state.stack.extend_from_slice(&params[1..]);
        self.state.reachable = true;
    }

    /// Fills a legacy `try`'s dispatch (its frame already popped): the first matching
    /// clause clears the pending exception and enters its handler; without a match the
    /// exception goes to `delegate`'s target or, by default, outward.
    pub fn emit_legacy_dispatch(
        &mut self,
        dispatch: ir::Block,
        index: usize,
        delegate: Option<u32>,
    ) {
        self.builder.switch_to_block(dispatch);
        self.builder.seal_block(dispatch);
        let clauses = self.state.legacy_tries[index].clauses.clone();
        let exn = self.env.pending_exception(self.builder);
        let mut caught_all = false;
        for (tag, handler) in clauses {
            if caught_all {
                // A clause after `catch_all` can never run; its block has no predecessor.
                self.builder.seal_block(handler);
                continue;
            }
            let enter = self.builder.create_block();
            let next = self.branch_on_tag(exn, tag, enter);
            self.builder.seal_block(enter);
            self.builder.switch_to_block(enter);
            self.env.clear_pending_exception(self.builder);
            let mut values = vec![exn];
            if let Some(tag) = tag {
                values.extend(self.env.exception_payload(self.builder, exn, tag));
            }
            self.builder.ins().jump(handler, &block_args(&values));
            self.builder.seal_block(handler);
            match next {
                Some(next) => self.builder.switch_to_block(next),
                None => caught_all = true,
            }
        }
        if caught_all {
            return;
        }
        let outer = match delegate {
            Some(depth) => self.delegate_target(depth),
            None => self.exception_target(),
        };
        self.builder.ins().jump(outer, &[]);
    }

    /// The handler that `delegate depth` forwards to: the first enclosing handler at or
    /// outside the frame `depth` levels out, or out of the function.
    fn delegate_target(&mut self, depth: u32) -> ir::Block {
        let start = self.state.control.len().saturating_sub(depth as usize);
        let saved = self.state.control.split_off(start);
        let target = self.exception_target();
        self.state.control.extend(saved);
        target
    }
}
