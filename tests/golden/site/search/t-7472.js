CatalogSearch.add("t","tr",{"trainable":[4.55,"3_"],"trainable neural":[2.607,"3_"],"trained":[1.038,"0_"],"training":[1.088,"0e3_"],"tristan":[3.507,"2_"]});
