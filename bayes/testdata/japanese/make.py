#!/usr/bin/env python3
# Composes the Japanese test set of bayes (TestJapanese): ham and spam
# messages built from the phrases below, in ISO-2022-JP, Shift_JIS and
# UTF-8, with RFC 2047 or raw subjects, kanji-only subjects for some
# spam. Deterministic: run it again to get the same files.
import base64, os, random

rnd = random.Random(16)
spam_subjects = ["無料登録受付中", "高額報酬確定", "当選通知", "副業紹介", "限定特典", "即日融資可能", "現金還元", "出会い応援",
                 "今すぐ稼げる副業のご案内", "【重要】ご当選のお知らせ", "完全無料で高収入", "人気商品が半額"]
ham_subjects = ["会議資料送付", "来週予定確認", "議事録共有", "出張報告", "見積書の件", "打ち合わせ日程について",
                "プロジェクト進捗報告", "資料の修正をお願いします", "明日の会議について", "契約書確認のお願い",
                "研修のご案内", "年末調整の書類"]
spam_phrases = ["今すぐ無料登録するだけで高額報酬が手に入ります", "誰でも簡単に毎日十万円稼げる副業です",
                "ご当選おめでとうございます賞金を受け取るにはこちらをクリック", "限定特典は本日まで先着百名様のみ",
                "審査なしで即日融資いたします", "完全無料の出会いサイトで素敵な相手を探しませんか",
                "現金還元キャンペーン実施中です", "人気ブランド商品が今だけ半額以下",
                "登録料は一切かかりません安心してご利用ください", "在宅で高収入を得るチャンスです",
                "返信不要お手続きはリンクから", "ポイントが失効する前に今すぐログインしてください",
                "副業で月収百万円を達成した方法を公開", "当社独自の投資術で資産倍増"]
ham_phrases = ["来週の会議資料を添付しますのでご確認ください", "先日の打ち合わせの議事録を共有いたします",
               "出張の報告書を提出しました", "見積書を修正しましたので再送いたします",
               "プロジェクトの進捗について報告します", "明日の会議は十時から第二会議室で行います",
               "契約書の内容をご確認のうえご返送ください", "研修の日程が決まりましたのでお知らせします",
               "年末調整の書類を今週中に提出してください", "ご多忙のところ恐れ入りますがよろしくお願いいたします",
               "資料の誤字を修正しました", "部長への報告は金曜日の予定です",
               "次回の打ち合わせ日程をご相談させてください", "担当者の変更についてご連絡いたします"]
# Phrases mostly run on into each other, as Japanese is written: the runs
# between punctuation are new in every message, their bigrams are not.
connectors = ["", "", "", "、", "。\n"]
senders = ["sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura"]
domains = ["mail.example.jp", "example.co.jp", "example.ne.jp", "example.com"]

def encode_subject(s, charset, rawok):
    if charset == "utf-8" and rawok:
        return s.encode("utf-8")  # raw UTF-8 (RFC 6532)
    b = s.encode(charset)
    return b"=?" + charset.upper().encode() + b"?B?" + base64.b64encode(b) + b"?="

def message(i, cls, subject, phrases):
    charset = ["iso-2022-jp", "shift_jis", "utf-8"][i % 3]
    k = rnd.randint(3, 5)
    text = ""
    for p in rnd.sample(phrases, k):
        text += p + rnd.choice(connectors)
    text += "。\n"
    # Senders from one pool for both classes: the words must decide.
    hdr = b"From: " + (rnd.choice(senders) + "@" + rnd.choice(domains)).encode() + b"\r\n"
    hdr += b"To: user@example.jp\r\n"
    hdr += b"Subject: " + encode_subject(subject, charset, i % 4 == 1) + b"\r\n"
    hdr += b"MIME-Version: 1.0\r\n"
    body = text.encode(charset, errors="strict")
    cte = b"7bit" if charset == "iso-2022-jp" else b"8bit"
    if charset == "utf-8" and i % 2 == 0:
        body = base64.encodebytes(body)
        cte = b"base64"
    hdr += b"Content-Type: text/plain; charset=" + charset.upper().encode() + b"\r\n"
    hdr += b"Content-Transfer-Encoding: " + cte + b"\r\n\r\n"
    return hdr + body.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")

for cls, subjects, phrases in (("spam", spam_subjects, spam_phrases), ("ham", ham_subjects, ham_phrases)):
    os.makedirs(cls, exist_ok=True)
    for i in range(24):
        subj = subjects[i % len(subjects)]
        with open(os.path.join(cls, "%02d.eml" % i), "wb") as f:
            f.write(message(i, cls, subj, phrases))
