//! The translation state: the wasm value stack as Cranelift values, and the control stack.

use cranelift_codegen::ir::{Block, Value};

/// What kind of construct a control frame is.
#[derive(Clone, Copy, Debug)]
pub enum FrameKind {
    /// A `block` (or the function body).
    Block,
    /// A `loop`; branches go to `header`.
    Loop {
        /// The loop header, which takes the loop's parameters.
        header: Block,
    },
    /// An `if`; `else_block` takes the parameters and runs when the condition is false.
    If {
        /// Entered when the condition is zero.
        else_block: Block,
        /// Whether an `else` was seen.
        has_else: bool,
        /// Whether the code before the `if` was reachable.
        head_reachable: bool,
    },
    /// A `try_table`: a block whose calls and throws branch to `dispatch` when an
    /// exception is pending; `catches` indexes [`TranslationState::try_catches`].
    TryTable {
        /// Matches the pending exception against the catch clauses.
        dispatch: Block,
        /// Index of the clause list.
        catches: usize,
    },
    /// A legacy `try`: like [`FrameKind::TryTable`] while in its body; `index` indexes
    /// [`TranslationState::legacy_tries`].
    LegacyTry {
        /// Matches the pending exception against the `catch` clauses.
        dispatch: Block,
        /// Index of its state.
        index: usize,
    },
    /// A construct inside unreachable code: tracked only to match its `end`.
    Unreachable,
}

/// The state of a legacy `try`.
#[derive(Clone, Debug)]
pub struct LegacyTry {
    /// Each `catch` (tag) or `catch_all` (`None`) with its handler block.
    pub clauses: Vec<(Option<crate::index::TagIndex>, Block)>,
    /// The exception being handled, for `rethrow`.
    pub exn: cranelift_frontend::Variable,
    /// Whether translation is in a handler (past the first `catch`).
    pub in_handler: bool,
}

/// One entry of the control stack.
#[derive(Clone, Debug)]
pub struct ControlFrame {
    /// The construct.
    pub kind: FrameKind,
    /// Where execution continues after `end`; takes the results.
    pub destination: Block,
    /// Number of parameters.
    pub num_params: usize,
    /// Number of results.
    pub num_results: usize,
    /// Value-stack height below the parameters.
    pub stack_base: usize,
    /// Whether some branch targets `destination`.
    pub exit_is_branched_to: bool,
}

impl ControlFrame {
    /// The block a branch to this frame jumps to, and how many values it passes.
    pub fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.num_params),
            _ => (self.destination, self.num_results),
        }
    }
}

/// The state threaded through the operators of one function.
#[derive(Default)]
pub struct TranslationState {
    /// The value stack.
    pub stack: Vec<Value>,
    /// The control stack; the bottom frame is the function body.
    pub control: Vec<ControlFrame>,
    /// Whether the current position is reachable.
    pub reachable: bool,
    /// Catch clauses of each `try_table`, and whether its dispatch block is branched to.
    pub try_catches: Vec<(Vec<wasmparser::Catch>, bool)>,
    /// The block that leaves the function with an exception pending (created on demand).
    pub propagate: Option<Block>,
    /// Legacy `try` blocks.
    pub legacy_tries: Vec<LegacyTry>,
}

impl TranslationState {
    /// Pops one value.
    pub fn pop1(&mut self) -> Value {
        self.stack.pop().expect("validation guarantees operands")
    }

    /// Pops two values, returning them in push order.
    pub fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop1();
        let a = self.pop1();
        (a, b)
    }

    /// Pops three values, returning them in push order.
    pub fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop1();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    /// Pops `n` values, returning them in push order.
    pub fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The top `n` values, in push order.
    pub fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    /// Pushes one value.
    pub fn push1(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// The frame `depth` levels out from the innermost.
    pub fn frame_mut(&mut self, depth: u32) -> &mut ControlFrame {
        let i = self.control.len() - 1 - depth as usize;
        &mut self.control[i]
    }
}
