//! The signal handler that turns faults in compiled code into traps.
//!
//! Installed for SIGSEGV, SIGBUS, SIGILL and SIGFPE with SA_ONSTACK (it runs on an
//! alternate stack, so guest stack exhaustion can be handled) and SA_NODEFER (it leaves by
//! longjmp). It allocates nothing and takes no lock. A fault outside compiled code, or with
//! no active catch frame, goes to the previously installed handler (or the default action).

use super::{TrapRecord, MAX_FRAMES};
use crate::program;
use std::sync::atomic::{AtomicBool, Ordering};
use wasi_aot_abi::Trap;

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

static mut PREVIOUS: [libc::sigaction; 4] = [unsafe { std::mem::zeroed() }; 4];
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Size of the alternate signal stack.
const ALT_STACK_SIZE: usize = 64 * 1024;

/// Installs the handlers (once) and an alternate stack for this thread.
pub fn install() {
    install_alt_stack();
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    for (i, sig) in SIGNALS.iter().enumerate() {
        // SAFETY: a zeroed sigaction is a valid starting point; the handler has the
        // SA_SIGINFO signature, and PREVIOUS is written once, before any fault can be
        // handled by us.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            let previous = &raw mut PREVIOUS[i];
            libc::sigaction(*sig, &action, previous);
        }
    }
}

fn install_alt_stack() {
    let page = 4096;
    // SAFETY: maps fresh memory for the alternate stack with a guard page below it; the
    // mapping is intentionally leaked (it lives as long as the thread).
    unsafe {
        let size = ALT_STACK_SIZE + page;
        let base = libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if base == libc::MAP_FAILED {
            return;
        }
        libc::mprotect(base, page, libc::PROT_NONE);
        let stack = libc::stack_t {
            ss_sp: base.cast::<u8>().add(page).cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        libc::sigaltstack(&stack, std::ptr::null_mut());
    }
}

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers.
    let (pc, fp) = unsafe {
        let uc = &*(context as *const libc::ucontext_t);
        (
            uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
            uc.uc_mcontext.gregs[libc::REG_RBP as usize] as usize,
        )
    };
    let program = program::get();
    if super::catching() && program.contains_pc(pc) {
        let trap = program.trap_at(pc).or_else(|| {
            // A fault in compiled code with no trap-table entry can only be the guard page
            // below the guest stack (a call pushing its return address there).
            (sig == libc::SIGSEGV || sig == libc::SIGBUS).then_some(Trap::StackExhausted)
        });
        if let Some(trap) = trap {
            let mut record = TrapRecord {
                trap,
                pcs: [0; MAX_FRAMES],
                len: 1,
            };
            record.pcs[0] = pc;
            walk_frames(program, fp, &mut record);
            // SAFETY: catching() is true and the fault is in compiled code.
            unsafe { super::resume(record) }
        }
    }
    // SAFETY: `info` is valid for this call; chaining to the previous handler, or
    // restoring the default action so that the fault kills the process as it would have.
    unsafe { chain(sig, info, context) }
}

/// Follows the frame-pointer chain while return addresses are in compiled code.
fn walk_frames(program: &program::Program, mut fp: usize, record: &mut TrapRecord) {
    while record.len < MAX_FRAMES && fp != 0 && fp.is_multiple_of(8) {
        // SAFETY: compiled code keeps frame pointers, and `fp` was a frame pointer of
        // compiled code (or its trampoline) whose frame is still intact below the fault.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if !program.contains_pc(ret) {
            break;
        }
        record.pcs[record.len] = ret - 1;
        record.len += 1;
        if next <= fp {
            break;
        }
        fp = next;
    }
}

unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(i) = SIGNALS.iter().position(|s| *s == sig) else {
        return;
    };
    // SAFETY: PREVIOUS was filled by `install` before our handler could run.
    let previous = unsafe { PREVIOUS[i] };
    if previous.sa_flags & libc::SA_SIGINFO != 0 && previous.sa_sigaction > 1 {
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            // SAFETY: an SA_SIGINFO handler has this signature.
            unsafe { std::mem::transmute(previous.sa_sigaction) };
        f(sig, info, context);
    } else if previous.sa_sigaction > 1 {
        // SAFETY: a plain handler has this signature.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(previous.sa_sigaction) };
        f(sig);
    } else {
        // SAFETY: restoring the default action; returning re-executes the faulting
        // instruction, which then terminates the process with the signal.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}
