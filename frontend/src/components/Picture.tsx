import type { Image } from "@/lib/api";
import { mediaSrcset, mediaUrl } from "@/lib/media";

type Props = {
  image: Image;
  sizes: string;
  /** Text alternative; undefined only in a draft's preview where the editor left it out (Wagtail's
   * checker in the preview panel flags it; see Blocks.imageAlt). */
  alt: string | undefined;
  className?: string;
  /** Above the fold (the LCP candidate): eager and high priority; otherwise lazy. */
  priority?: boolean;
};

/** WebP and fallback renditions from the API, with width/height always set (no layout shift). */
export function Picture({ image, sizes, alt, className, priority = false }: Props) {
  const width = image.width || 1;
  const height = image.height || 1;
  return (
    <picture className={className}>
      {image.srcset_webp ? (
        <source type="image/webp" srcSet={mediaSrcset(image.srcset_webp)} sizes={sizes} />
      ) : null}
      <img
        src={mediaUrl(image.src)}
        srcSet={image.srcset ? mediaSrcset(image.srcset) : undefined}
        sizes={image.srcset ? sizes : undefined}
        width={width}
        height={height}
        alt={alt}
        loading={priority ? "eager" : "lazy"}
        fetchPriority={priority ? "high" : undefined}
        decoding={priority ? "sync" : "async"}
      />
    </picture>
  );
}
