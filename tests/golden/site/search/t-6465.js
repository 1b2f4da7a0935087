CatalogSearch.add("t","de",{"deep":"2S2T1U","deep double":"2X","deep learning":"5X","deep neural":"4X","descent":"2y","descent epoch":"2T","descent where":"2X"});
