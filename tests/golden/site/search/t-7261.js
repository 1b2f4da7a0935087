CatalogSearch.add("t","ra",{"random":[3.206,"5_"],"random label":[2.118,"5_"],"ravid":[4.073,"4_"],"raw":[1.188,"1_"]});
