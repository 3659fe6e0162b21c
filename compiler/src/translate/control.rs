//! Structured control flow, branches and calls.
//!
//! Every construct gets a `destination` block taking its results. An `if` always gets an
//! `else_block` taking its parameters; without an explicit `else` that block just forwards
//! the parameters to the destination (validation guarantees params = results then).
//! Blocks are sealed as soon as all their predecessors are known: destinations and else
//! blocks when they are entered, loop headers at the loop's `end`.

use super::operators::Translator;
use super::stack::{ControlFrame, FrameKind};
use crate::error::Result;
use crate::func_env::ir_type;
use crate::index::*;
use cranelift_codegen::ir::{self, condcodes::IntCC, BlockArg, InstBuilder, JumpTableData};
use wasi_aot_abi::{Trap, ValType};
use wasmparser::{BlockType, Operator};

fn block_args(values: &[ir::Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl Translator<'_, '_, '_, '_> {
    pub(super) fn block_signature(&self, ty: BlockType) -> Result<(Vec<ValType>, Vec<ValType>)> {
        Ok(match ty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![crate::module::val_type(t)?]),
            BlockType::FuncType(idx) => {
                let sig = self.env.sig(TypeIndex::from_u32(idx));
                (sig.params.clone(), sig.results.clone())
            }
        })
    }

    pub(super) fn new_block(&mut self, params: &[ValType]) -> ir::Block {
        let block = self.builder.create_block();
        for ty in params {
            self.builder.append_block_param(block, ir_type(*ty));
        }
        block
    }

    /// Jumps to `block` passing the top `n` stack values (left on the stack).
    fn jump_with_top(&mut self, block: ir::Block, n: usize) {
        let args = block_args(self.state.peekn(n));
        self.builder.ins().jump(block, &args);
    }

    /// Enters `block`, whose parameters become the stack values above `base`.
    fn enter_block(&mut self, block: ir::Block, base: usize) {
        self.builder.switch_to_block(block);
        self.state.stack.truncate(base);
        let params = self.builder.block_params(block).to_vec();
        self.state.stack.extend(params);
    }

    /// Lowers control operators; returns `false` for any other operator.
    pub fn translate_control(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator as O;
        match op {
            O::Unreachable => self.trap(Trap::Unreachable),
            O::Block { blockty } => {
                let (params, results) = self.block_signature(*blockty)?;
                let destination = self.new_block(&results);
                let stack_base = self.state.stack.len() - params.len();
                self.state.control.push(ControlFrame {
                    kind: FrameKind::Block,
                    destination,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_base,
                    exit_is_branched_to: false,
                });
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_signature(*blockty)?;
                let header = self.new_block(&params);
                let destination = self.new_block(&results);
                let stack_base = self.state.stack.len() - params.len();
                self.jump_with_top(header, params.len());
                self.enter_block(header, stack_base);
                self.state.control.push(ControlFrame {
                    kind: FrameKind::Loop { header },
                    destination,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_base,
                    exit_is_branched_to: false,
                });
            }
            O::If { blockty } => {
                let (params, results) = self.block_signature(*blockty)?;
                let cond = self.state.pop1();
                let then_block = self.new_block(&params);
                let else_block = self.new_block(&params);
                let destination = self.new_block(&results);
                let stack_base = self.state.stack.len() - params.len();
                let args = block_args(self.state.peekn(params.len()));
                self.builder
                    .ins()
                    .brif(cond, then_block, &args, else_block, &args);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.enter_block(then_block, stack_base);
                self.state.control.push(ControlFrame {
                    kind: FrameKind::If {
                        else_block,
                        has_else: false,
                        head_reachable: true,
                    },
                    destination,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_base,
                    exit_is_branched_to: false,
                });
            }
            O::TryTable { try_table } => {
                let (params, results) = self.block_signature(try_table.ty)?;
                let destination = self.new_block(&results);
                let dispatch = self.builder.create_block();
                let stack_base = self.state.stack.len() - params.len();
                self.state
                    .try_catches
                    .push((try_table.catches.clone(), false));
                self.state.control.push(ControlFrame {
                    kind: FrameKind::TryTable {
                        dispatch,
                        catches: self.state.try_catches.len() - 1,
                    },
                    destination,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_base,
                    exit_is_branched_to: false,
                });
            }
            O::Throw { tag_index } => {
                let tag = TagIndex::from_u32(*tag_index);
                let ty = self.env.module.info.tags[tag];
                let n = self.env.sig(ty).params.len();
                let values = self.state.popn(n);
                self.env.throw(self.builder, tag, &values);
                let target = self.exception_target();
                self.builder.ins().jump(target, &[]);
                self.state.reachable = false;
            }
            O::ThrowRef => {
                let exn = self.state.pop1();
                self.env.throw_ref(self.builder, exn);
                let target = self.exception_target();
                self.builder.ins().jump(target, &[]);
                self.state.reachable = false;
            }
            O::Else => self.translate_else(),
            O::End => self.translate_end(),
            O::Br { relative_depth } => {
                self.branch(*relative_depth);
                self.state.reachable = false;
            }
            O::BrIf { relative_depth } => {
                let cond = self.state.pop1();
                self.branch_if(cond, *relative_depth, &[]);
            }
            O::BrTable { targets } => {
                let index = self.state.pop1();
                let mut depths = Vec::with_capacity(targets.len() as usize);
                for t in targets.targets() {
                    depths.push(t?);
                }
                let default = targets.default();
                let mut calls = Vec::with_capacity(depths.len());
                let mut n_args = 0;
                for depth in depths.iter().copied().chain([default]) {
                    let frame = self.state.frame_mut(depth);
                    frame.exit_is_branched_to |= !matches!(frame.kind, FrameKind::Loop { .. });
                    let (target, n) = frame.branch_target();
                    n_args = n;
                    calls.push(target);
                }
                let args = block_args(self.state.peekn(n_args));
                let pool = &mut self.builder.func.dfg.value_lists;
                let mut block_calls: Vec<ir::BlockCall> = calls
                    .into_iter()
                    .map(|b| ir::BlockCall::new(b, args.iter().copied(), pool))
                    .collect();
                let default_call = block_calls.pop().expect("default target");
                let jt = self
                    .builder
                    .create_jump_table(JumpTableData::new(default_call, &block_calls));
                self.builder.ins().br_table(index, jt);
                self.state.reachable = false;
            }
            O::Return => {
                let n = self.state.control[0].num_results;
                let results = self.state.peekn(n).to_vec();
                self.builder.ins().return_(&results);
                self.state.reachable = false;
            }
            O::Call { function_index } => self.call(*function_index, false),
            O::ReturnCall { function_index } => self.call(*function_index, true),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index, false),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index, true),
            O::CallRef { type_index } => self.call_ref(*type_index, false),
            O::ReturnCallRef { type_index } => self.call_ref(*type_index, true),
            O::BrOnNull { relative_depth } => {
                let value = self.state.pop1();
                let is_null = self.builder.ins().icmp_imm_s(IntCC::Equal, value, 0);
                self.branch_if(is_null, *relative_depth, &[]);
                self.state.push1(value);
            }
            O::BrOnNonNull { relative_depth } => {
                let value = self.state.pop1();
                self.branch_if(value, *relative_depth, &[value]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn call(&mut self, function_index: u32, tail: bool) {
        let func = FuncIndex::from_u32(function_index);
        let n = self.env.module.info.func_sig(func).params.len();
        let args = self.state.popn(n);
        let results = self.env.call(self.builder, func, &args, tail);
        self.finish_call(results, tail);
    }

    fn call_indirect(&mut self, type_index: u32, table_index: u32, tail: bool) {
        let ty = TypeIndex::from_u32(type_index);
        let index = self.state.pop1();
        let n = self.env.sig(ty).params.len();
        let args = self.state.popn(n);
        let table = TableIndex::from_u32(table_index);
        let results = self
            .env
            .call_indirect(self.builder, table, ty, index, &args, tail);
        self.finish_call(results, tail);
    }

    fn call_ref(&mut self, type_index: u32, tail: bool) {
        let ty = TypeIndex::from_u32(type_index);
        let funcref = self.state.pop1();
        let n = self.env.sig(ty).params.len();
        let args = self.state.popn(n);
        let results = self.env.call_ref(self.builder, ty, funcref, &args, tail);
        self.finish_call(results, tail);
    }

    /// Pushes a call's results; a tail call ends the block instead. In a program that
    /// can throw, a call that returns with an exception pending branches to the handler.
    fn finish_call(&mut self, results: Vec<ir::Value>, tail: bool) {
        if tail {
            self.state.reachable = false;
            return;
        }
        if self.env.module.exceptions {
            let exn = self.env.pending_exception(self.builder);
            let target = self.exception_target();
            let next = self.builder.create_block();
            self.builder.ins().brif(exn, target, &[], next, &[]);
            self.builder.seal_block(next);
            self.builder.switch_to_block(next);
        }
        self.state.stack.extend(results);
    }

    /// Branches to `on_match` when exception `exn` carries `tag` (always for `None`, a
    /// catch-all); returns the sealed block where matching goes on, if any.
    pub(super) fn branch_on_tag(
        &mut self,
        exn: ir::Value,
        tag: Option<TagIndex>,
        on_match: ir::Block,
    ) -> Option<ir::Block> {
        let Some(tag) = tag else {
            self.builder.ins().jump(on_match, &[]);
            return None;
        };
        let id = self.env.tag_identity(self.builder, tag);
        let thrown = self.env.exception_tag(self.builder, exn);
        let matches = self.builder.ins().icmp(IntCC::Equal, thrown, id);
        let next = self.builder.create_block();
        self.builder.ins().brif(matches, on_match, &[], next, &[]);
        self.builder.seal_block(next);
        Some(next)
    }

    /// Where a pending exception goes from here: the innermost `try_table`'s dispatch, or
    /// out of the function.
    pub(super) fn exception_target(&mut self) -> ir::Block {
        for frame in self.state.control.iter().rev() {
            match frame.kind {
                FrameKind::TryTable { dispatch, catches } => {
                    self.state.try_catches[catches].1 = true;
                    return dispatch;
                }
                FrameKind::LegacyTry { dispatch, index }
                    if !self.state.legacy_tries[index].in_handler =>
                {
                    return dispatch;
                }
                _ => {}
            }
        }
        match self.state.propagate {
            Some(block) => block,
            None => {
                let block = self.builder.create_block();
                self.state.propagate = Some(block);
                block
            }
        }
    }

    /// Fills a `try_table`'s dispatch block (its frame already popped, so catch labels
    /// are relative to the enclosing frame): the first matching clause clears the pending
    /// exception and branches to its label with the payload (and the `exnref` for the
    /// `_ref` forms); without a match the exception propagates outward.
    fn emit_dispatch(&mut self, dispatch: ir::Block, catches: usize) {
        use wasmparser::Catch;
        let (clauses, used) = self.state.try_catches[catches].clone();
        if !used {
            return;
        }
        self.builder.switch_to_block(dispatch);
        self.builder.seal_block(dispatch);
        let exn = self.env.pending_exception(self.builder);
        for clause in clauses {
            let (tag, label, with_ref) = match clause {
                Catch::One { tag, label } => (Some(TagIndex::from_u32(tag)), label, false),
                Catch::OneRef { tag, label } => (Some(TagIndex::from_u32(tag)), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let handler = self.builder.create_block();
            let next = self.branch_on_tag(exn, tag, handler);
            self.builder.seal_block(handler);
            self.builder.switch_to_block(handler);
            self.env.clear_pending_exception(self.builder);
            let mut values = match tag {
                Some(tag) => self.env.exception_payload(self.builder, exn, tag),
                None => Vec::new(),
            };
            if with_ref {
                values.push(exn);
            }
            let frame = self.state.frame_mut(label);
            frame.exit_is_branched_to |= !matches!(frame.kind, FrameKind::Loop { .. });
            let (target, _) = frame.branch_target();
            self.builder.ins().jump(target, &block_args(&values));
            match next {
                Some(next) => self.builder.switch_to_block(next),
                None => return,
            }
        }
        let outer = self.exception_target();
        self.builder.ins().jump(outer, &[]);
    }

    /// Branches to frame `depth` when `cond` is non-zero, passing the frame's values from
    /// the stack followed by `extra`; otherwise falls through.
    fn branch_if(&mut self, cond: ir::Value, depth: u32, extra: &[ir::Value]) {
        let frame = self.state.frame_mut(depth);
        frame.exit_is_branched_to |= !matches!(frame.kind, FrameKind::Loop { .. });
        let (target, n) = frame.branch_target();
        let mut values = self.state.peekn(n - extra.len()).to_vec();
        values.extend_from_slice(extra);
        let next = self.builder.create_block();
        self.builder
            .ins()
            .brif(cond, target, &block_args(&values), next, &[]);
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
    }

    fn branch(&mut self, depth: u32) {
        let frame = self.state.frame_mut(depth);
        frame.exit_is_branched_to |= !matches!(frame.kind, FrameKind::Loop { .. });
        let (target, n) = frame.branch_target();
        self.jump_with_top(target, n);
    }

    fn translate_else(&mut self) {
        let reachable = self.state.reachable;
        let frame = self.state.control.last_mut().expect("validated");
        let FrameKind::If {
            else_block,
            has_else,
            head_reachable,
        } = &mut frame.kind
        else {
            unreachable!("validation pairs `else` with `if`")
        };
        *has_else = true;
        let (else_block, head_reachable) = (*else_block, *head_reachable);
        let (destination, num_results, base) =
            (frame.destination, frame.num_results, frame.stack_base);
        if reachable {
            frame.exit_is_branched_to = true;
            self.jump_with_top(destination, num_results);
        }
        if head_reachable {
            self.enter_block(else_block, base);
            self.state.reachable = true;
        } else {
            self.state.stack.truncate(base);
            self.state.reachable = false;
        }
    }

    fn translate_end(&mut self) {
        self.translate_end_of(None)
    }

    /// Ends the innermost construct; `delegate` is the depth of a legacy `delegate`.
    pub(super) fn translate_end_of(&mut self, delegate: Option<u32>) {
        let frame = self.state.control.pop().expect("validated");
        let reachable = self.state.reachable;
        if reachable {
            self.jump_with_top(frame.destination, frame.num_results);
        }
        let mut branched = frame.exit_is_branched_to || reachable;
        match frame.kind {
            FrameKind::Loop { header } => self.builder.seal_block(header),
            FrameKind::If {
                else_block,
                has_else: false,
                head_reachable: true,
            } => {
                // The implicit else forwards the parameters as results.
                self.builder.switch_to_block(else_block);
                let params = self.builder.block_params(else_block).to_vec();
                self.builder
                    .ins()
                    .jump(frame.destination, &block_args(&params));
                branched = true;
            }
            _ => {}
        }
        if matches!(frame.kind, FrameKind::Unreachable) {
            // Nothing was created for a construct inside unreachable code.
            return;
        }
        match frame.kind {
            FrameKind::TryTable { dispatch, catches } => self.emit_dispatch(dispatch, catches),
            FrameKind::LegacyTry { dispatch, index } => {
                self.emit_legacy_dispatch(dispatch, index, delegate)
            }
            _ => {}
        }
        if branched {
            self.builder.seal_block(frame.destination);
            self.enter_block(frame.destination, frame.stack_base);
            self.state.reachable = true;
        } else {
            self.state.stack.truncate(frame.stack_base);
            self.state.reachable = false;
        }
    }

    /// Tracks nesting in unreachable code; `else` and `end` may make code reachable again.
    pub fn translate_unreachable(&mut self, op: &Operator<'_>) {
        use Operator as O;
        match op {
            O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::TryTable { .. }
            | O::Try { .. } => {
                self.state.control.push(ControlFrame {
                    kind: FrameKind::Unreachable,
                    destination: ir::Block::from_u32(0),
                    num_params: 0,
                    num_results: 0,
                    stack_base: self.state.stack.len(),
                    exit_is_branched_to: false,
                });
            }
            O::Else
                if !matches!(
                    self.state.control.last().map(|f| f.kind),
                    Some(FrameKind::Unreachable)
                ) =>
            {
                self.translate_else()
            }
            O::End => self.translate_end(),
            O::Delegate { relative_depth } => self.translate_end_of(Some(*relative_depth)),
            O::Catch { tag_index } => self.legacy_catch(Some(TagIndex::from_u32(*tag_index))),
            O::CatchAll => self.legacy_catch(None),
            _ => {}
        }
    }
}
